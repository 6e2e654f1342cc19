'use client';
/**
 * One drive tile. Memoised: the store keeps a drive object's identity until
 * the drive changes, so a delta to one drive re-renders one tile.
 *
 * The texts that change with every progress tick (percent, speed, ETA) sit
 * in fixed-size boxes (`.tile-fix`, CSS `contain: strict`): a new value is
 * laid out inside its box only, not the tile, its row and the grid, which is
 * what keeps 256 tiles at 4 updates a second each cheap for the browser.
 */
import { memo } from 'react';
import type { ReactNode } from 'react';
import type { DriveView } from '../lib/contract';
import { useFitText } from '../lib/fit-text';
import { clampPercent, formatDuration, formatEta, formatPercent, formatSpeedX } from '../lib/units';
import { errorCodeIn, instructionFor, isActive, isTimedPhase, needsPerson, presentState, tileLabel } from '../lib/states';
import { cdTextWriting } from '../../../controller/src/shared/cd-text-writing';
import { Icon } from './Icon';

export interface DriveTileProps {
  readonly drive: DriveView;
  readonly stale: boolean;
  /** Run name for the disc's run (label or image name). */
  readonly runName: string | null;
  /** Link to the drive's page (not on the wall screen). A plain link: its grid makes a click on it navigate in the app. */
  readonly href?: string;
}

function TileBody({ drive: d, runName, attention }: { readonly drive: DriveView; readonly runName: string | null; readonly attention: boolean }): ReactNode {
  const p = presentState(d.state);
  const label = tileLabel(d);
  const said = attention || d.state === 'quarantined' ? instructionFor(d) : null;
  // The tile's word already says QUARANTINED: the room goes to the reason and its error code.
  const instruction = said !== null && d.state === 'quarantined' ? said.replace(/^quarantined:\s*/i, '') : said;
  const showProgress = isActive(d.state) || (d.percent !== null && d.state !== 'done' && d.state !== 'failed');
  const pct = clampPercent(d.percent);
  // Preparing and closing the disc move no data: their time in the phase, never "0%"/"100% 0×"; an ETA only when known.
  const timed = isTimedPhase(d);
  const word = label.length >= 10 ? 'tile-word long' : 'tile-word';
  const media = d.mediaType ?? (d.state === 'empty' ? 'no disc' : '');
  // What takes room in the tile: the name, word and instruction are fitted again when it changes (not with every tick).
  const shape = [d.label, media, label, instruction ?? '', showProgress, d.speedX !== null, d.etaSeconds !== null, d.bufferPercent !== null, d.runId ?? '', d.discLabel ?? ''].join('\n');
  const nameRef = useFitText<HTMLSpanElement>(shape);
  const wordRef = useFitText<HTMLSpanElement>(shape);
  const instructionRef = useFitText<HTMLParagraphElement>(shape);
  // A wall tile too short for the whole reason shows its error code instead (CSS), so the code is never lost.
  const code = d.state === 'quarantined' ? errorCodeIn(instruction) : null;
  const codeRef = useFitText<HTMLParagraphElement>(shape);
  return (
    <>
      <div className="tile-head">
        <span ref={nameRef} className="tile-label" data-fit-wrap="16">{d.label}</span>
        <span className="tile-media" title="Media in the drive">{media}</span>
      </div>
      {/* Declared in tower.json ("cdText": true): copies whose TOC carries CD-TEXT go only to such drives. */}
      {d.writesCdText === true ? <span className="tile-cd-text" title={cdTextWriting(true)} aria-label={cdTextWriting(true)}>CD-TEXT</span> : null}
      <div className="tile-state">
        <Icon name={p.icon} className="tile-icon" />
        <span ref={wordRef} className={word} data-fit-wrap="16">{label}</span>
      </div>
      {code ? <p ref={codeRef} className="tile-code">{code}</p> : null}
      {instruction ? <p ref={instructionRef} className="tile-instruction" title={said ?? undefined}>{instruction}</p> : null}
      {showProgress ? (
        <>
          <div className="tile-progress">
            <div className="bar" role="progressbar" aria-label={`${d.label} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(pct)}>
              <span className="bar-fill" style={{ transform: `scaleX(${pct / 100})` }} />
            </div>
            <span className="tile-pct" title={timed ? 'Time in this phase' : undefined}><span className="tile-fix">{timed ? formatDuration(d.phaseSeconds) : formatPercent(d.percent)}</span></span>
          </div>
          <div className="tile-metrics">
            {d.speedX !== null ? <span title="Current speed"><span className="tile-fix tile-fix-speed">{formatSpeedX(d.speedX)}</span></span> : null}
            {!timed || d.etaSeconds !== null ? <span title="Time left">ETA <span className="tile-fix tile-fix-eta">{formatEta(d.etaSeconds)}</span></span> : null}
            {d.bufferPercent !== null ? <span className="tile-buffer" title="Drive buffer fill">buf {formatPercent(d.bufferPercent)}</span> : null}
          </div>
        </>
      ) : null}
      <div className="tile-foot">
        <span className="tile-run" title={d.runId ? `Run ${runName ?? d.runId}${d.copy !== null ? `, copy ${d.copy}` : ''}${d.discLabel !== null ? `, ${d.discLabel}` : ''}` : undefined}>
          {d.runId ? `${d.copy !== null ? `copy ${d.copy} · ` : ''}${d.discLabel !== null ? `${d.discLabel} · ` : ''}${runName ?? d.runId.slice(0, 8)}` : ''}
        </span>
        <span className="tile-counts" title={`${d.passed} passed, ${d.failed} failed on this drive`}>
          <span className="count-ok">✓{d.passed}</span> <span className="count-bad">✗{d.failed}</span>
        </span>
      </div>
    </>
  );
}

function DriveTileInner({ drive, stale, runName, href }: DriveTileProps): ReactNode {
  const p = presentState(drive.state);
  const attention = needsPerson(drive);
  const cls = `tile tone-${p.tone}${attention ? ' attn' : ''}${stale ? ' stale' : ''}`;
  const aria = `${drive.label}: ${tileLabel(drive)}${attention ? `, needs a person: ${instructionFor(drive) ?? ''}` : ''}`;
  const body = <TileBody drive={drive} runName={runName} attention={attention} />;
  if (href) {
    // A plain link: the tower's grid follows a click in the app (TowerGrid.tsx), and nothing is prefetched.
    return (
      <a href={href} className={cls} data-drive-id={drive.id} data-state={drive.state} data-attention={attention} aria-label={aria}>
        {body}
      </a>
    );
  }
  return (
    <div className={cls} data-drive-id={drive.id} data-state={drive.state} data-attention={attention} aria-label={aria} role="group">
      {body}
    </div>
  );
}

export const DriveTile = memo(DriveTileInner);
