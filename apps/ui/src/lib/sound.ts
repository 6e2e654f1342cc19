/**
 * An attention beep with the Web Audio API (no files). Off unless the person
 * turns it on (the Sound button, or `?sound=1` on a wall screen).
 *
 * Browsers keep audio blocked until someone taps or types on the page
 * (Chromium's autoplay policy): a wall nobody touches stays silent. So the
 * screen says so ({@link useSoundBlocked}: "sound blocked — tap to enable")
 * until a tap anywhere lets the audio start; a kiosk started with
 * `--autoplay-policy=no-user-gesture-required` is never blocked.
 */
import { useEffect, useState } from 'react';

let ctx: AudioContext | null = null;

/** The page's one audio context, created on first use; null where there is no Web Audio. */
function audio(): AudioContext | null {
  try {
    ctx ??= new AudioContext();
    return ctx;
  } catch {
    return null;
  }
}

/** Is the sound on but the browser keeping it silent until a gesture? Starts audio at the first tap or key. */
export function useSoundBlocked(enabled: boolean): { readonly blocked: boolean; readonly unblock: () => void } {
  const [blocked, setBlocked] = useState(false);
  useEffect(() => {
    const c = enabled ? audio() : null;
    if (!c) {
      setBlocked(false);
      return;
    }
    const update = (): void => setBlocked(c.state === 'suspended');
    // Any tap or key on the page is a gesture that lets the audio start.
    const gesture = (): void => void c.resume().catch(() => undefined);
    update();
    c.addEventListener('statechange', update);
    document.addEventListener('pointerdown', gesture, true);
    document.addEventListener('keydown', gesture, true);
    return () => {
      c.removeEventListener('statechange', update);
      document.removeEventListener('pointerdown', gesture, true);
      document.removeEventListener('keydown', gesture, true);
    };
  }, [enabled]);
  return { blocked, unblock: () => void audio()?.resume().catch(() => undefined) };
}

export function beep(times = 2): void {
  try {
    const c = audio();
    if (!c) return;
    if (c.state === 'suspended') void c.resume();
    const t0 = c.currentTime;
    for (let i = 0; i < times; i += 1) {
      const osc = c.createOscillator();
      const gain = c.createGain();
      osc.type = 'square';
      osc.frequency.value = i % 2 === 0 ? 880 : 660;
      const start = t0 + i * 0.35;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.28);
      osc.connect(gain).connect(c.destination);
      osc.start(start);
      osc.stop(start + 0.3);
    }
  } catch {
    // no audio device or not allowed: the screen still flashes
  }
}

const SOUND_KEY = 'tower.sound';

export function readSoundPref(): boolean {
  try {
    return window.localStorage.getItem(SOUND_KEY) === 'on';
  } catch {
    return false;
  }
}

export function writeSoundPref(on: boolean): void {
  try {
    window.localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  } catch {
    // ignore
  }
}
