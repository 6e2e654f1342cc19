import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { Shell } from '../components/Shell';
import './globals.css';

export const metadata: Metadata = {
  title: 'Tower',
  description: 'Optical disc duplication tower: live operator screen',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: '#0b0e12',
};

export default function RootLayout({ children }: { readonly children: ReactNode }): ReactNode {
  return (
    <html lang="en">
      <body>
        <Shell>{children}</Shell>
      </body>
    </html>
  );
}
