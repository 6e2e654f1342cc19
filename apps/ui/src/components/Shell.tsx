'use client';
/**
 * Everything around a page: the token and role, the one live feed, the
 * navigation (not on the wall screen or the sign-in page) and the STALE banner.
 * Without a token a page goes to sign-in, but the wall screen shows "Pair
 * this screen" (a pairing code for a token of its own).
 */
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { useEffect, useState } from 'react';
import { AuthProvider, useAuth } from '../lib/auth';
import { LiveProvider, useFreshness } from '../lib/live';
import { readSoundPref, useSoundBlocked, writeSoundPref } from '../lib/sound';
import { AttentionSound } from './AttentionSound';
import { PairScreen } from './PairScreen';
import { StaleBanner } from './StaleBanner';

const LINKS: readonly { readonly href: string; readonly label: string }[] = [
  { href: '/', label: 'Tower' },
  { href: '/runs/', label: 'Runs' },
  { href: '/mastering/', label: 'Mastering' },
  { href: '/images/', label: 'Images' },
  { href: '/history/', label: 'History' },
  { href: '/reports/', label: 'Reports' },
  { href: '/alerts/', label: 'Alerts' },
  { href: '/agents/', label: 'Agents' },
  { href: '/audit/', label: 'Audit' },
  { href: '/shopfloor/', label: 'Shop floor' },
];

function norm(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

function LiveDot(): ReactNode {
  const f = useFreshness();
  return (
    <span className={`live-dot ${f.stale ? 'is-stale' : 'is-live'}`} data-testid="live-indicator">
      <span className="dot" aria-hidden="true" />
      {f.stale ? (f.reason === 'connecting' ? 'Connecting' : 'Stale') : 'Live'}
    </span>
  );
}

function Nav({ sound, setSound }: { readonly sound: boolean; readonly setSound: (on: boolean) => void }): ReactNode {
  const path = norm(usePathname());
  const { who, signOut } = useAuth();
  const router = useRouter();
  return (
    <header className="topbar">
      <a href="#main" className="skip-link">Skip to content</a>
      <span className="brand">Tower</span>
      <nav aria-label="Main">
        <ul className="nav-list">
          {LINKS.map((l) => {
            const current = l.href === '/' ? path === '/' || path.startsWith('/drive/') : path.startsWith(l.href);
            return (
              <li key={l.href}>
                <Link href={l.href} className="nav-link" aria-current={current ? 'page' : undefined}>
                  {l.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="topbar-right">
        <LiveDot />
        <button type="button" className="btn btn-small btn-ghost" aria-pressed={sound} onClick={() => setSound(!sound)} title="Beep when a drive needs a person">
          Sound: {sound ? 'on' : 'off'}
        </button>
        {who ? (
          <span className="who" data-testid="whoami">
            {who.name} <span className={`role role-${who.role}`}>{who.role}</span>
          </span>
        ) : null}
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={() => {
            signOut();
            router.push('/signin/');
          }}
        >
          Sign out
        </button>
      </div>
    </header>
  );
}

function Frame({ children }: { readonly children: ReactNode }): ReactNode {
  const auth = useAuth();
  const path = norm(usePathname());
  const router = useRouter();
  const wall = path.startsWith('/shopfloor/');
  const signin = path.startsWith('/signin/');
  const [sound, setSoundState] = useState(false);

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    setSoundState(params.get('sound') === '1' || readSoundPref());
  }, []);
  const setSound = (on: boolean): void => {
    setSoundState(on);
    writeSoundPref(on);
  };
  const audio = useSoundBlocked(sound);

  useEffect(() => {
    // A wall screen without a token of its own pairs, right here.
    if (signin || wall) return;
    if (auth.status === 'signed-out' || auth.status === 'invalid') {
      const back = encodeURIComponent(path + window.location.search);
      router.replace(`/signin/?next=${back}`);
    }
  }, [auth.status, signin, wall, path, router]);

  if (signin) return <main id="main">{children}</main>;
  if (wall && (auth.status === 'signed-out' || auth.status === 'invalid')) return <PairScreen />;
  if (auth.status === 'loading' || auth.status === 'signed-out' || auth.status === 'invalid') {
    return <main id="main" className="page"><p className="empty-note">Signing in…</p></main>;
  }
  return (
    <LiveProvider token={auth.token} onAuthRefused={auth.recheck}>
      <div className={wall ? 'wall-root' : 'app-root'} data-sound={!sound ? 'off' : audio.blocked ? 'blocked' : 'on'}>
        <AttentionSound enabled={sound} />
        {wall ? null : <Nav sound={sound} setSound={setSound} />}
        {sound && audio.blocked ? (
          // The browser keeps audio off until a tap (autoplay policy): an unattended wall would beep for nobody.
          <button type="button" className="banner sound-notice" data-testid="sound-blocked" onClick={audio.unblock}>
            Sound blocked — tap to enable
          </button>
        ) : null}
        <StaleBanner />
        {auth.status === 'unreachable' && !wall ? (
          <div className="banner banner-info" role="status">Cannot ask the controller who you are yet ({auth.error}); controls stay hidden until it answers.</div>
        ) : null}
        <main id="main" className={wall ? 'wall' : 'page'} tabIndex={-1}>
          {children}
        </main>
      </div>
    </LiveProvider>
  );
}

export function Shell({ children }: { readonly children: ReactNode }): ReactNode {
  return (
    <AuthProvider>
      <Frame>{children}</Frame>
    </AuthProvider>
  );
}
