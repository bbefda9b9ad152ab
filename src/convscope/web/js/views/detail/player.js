// The animation player the conv, pool, activation and explorer views share: play /
// pause, one position back or forward (buttons, ← → , . Home End), skip to the end,
// replay, and a speed. The player owns the position: a frame is drawn only once its
// numbers have arrived (load), and cursor and numbers are drawn together (show), so
// nothing on screen ever lags the cursor. Only the newest request is drawn.
import { DEFAULT_SPEED, SPEEDS, keyAction, prefetchIndices, speedDelay, stepIndex, unfilledBoxes } from "../../core/player.js";
import { el } from "../dom.js";
import { HOVER_DELAY_MS } from "./common.js";

const PREFETCH = 6;

/**
 * opts: {count, start (frame index), load(i) -> Promise<data> | data, show(i, data),
 * cursor(i) (draws the cursor alone, while a hover waits for its numbers), pending(i) (frame i was
 * asked for: numbers on screen are no longer the newest),
 * settled(i, how) (a frame was shown: how is "play", "step" or "pin"), failed(error),
 * label(i) -> text (where the player stands), root (element whose data-playing tests read)}.
 * Returns {node, play(), pause(), seek(i, how), hover(i), at() -> i, playing() -> bool, destroy()}.
 */
export function createPlayer(opts) {
  let index = opts.start ?? 0;
  let playing = false;
  let timer = null;
  let hoverTimer = null;
  let token = 0;
  let delay = speedDelay(DEFAULT_SPEED);

  const bar = el("div", "player", { role: "group", "aria-label": "Animation: ← → step one position, Home / End jump" });
  const button = (className, text, label, action) => {
    const node = el("button", className, { type: "button", "aria-label": label }, text);
    node.addEventListener("click", action);
    bar.append(node);
    return node;
  };
  const toggle = button("player-toggle", "Play", "Play or pause", () => (playing ? pause() : play()));
  button("player-prev", "◀ step", "One position back (←)", () => act("prev"));
  button("player-next", "step ▶", "One position forward (→)", () => act("next"));
  button("player-skip", "Skip to end", "Skip to the last position (End)", () => act("end"));
  button("player-replay", "Replay", "Play again from the first position", () => {
    pause();
    seek(0, "step").then(play);
  });
  const speedLabel = el("label", "player-speed-label", {}, "speed ");
  const speed = el("select", "player-speed", { "aria-label": "Animation speed" });
  for (const s of SPEEDS) speed.append(el("option", "", { value: s.id }, s.label));
  speed.value = DEFAULT_SPEED;
  speed.addEventListener("change", () => (delay = speedDelay(speed.value)));
  speedLabel.append(speed);
  const where = el("span", "player-where", { "aria-live": "off" });
  bar.append(speedLabel, where);
  bar.addEventListener("keydown", (event) => {
    if (event.target === speed) return; // the select's own arrows change the speed
    const action = keyAction(event.key);
    if (!action) return;
    event.preventDefault();
    act(action);
  });

  function act(action) {
    pause();
    const target = { prev: stepIndex(index, -1, opts.count), next: stepIndex(index, 1, opts.count), start: 0, end: opts.count - 1 }[action];
    seek(target, "step");
  }

  /** Load frame i's numbers, then draw cursor and numbers together; false when a newer request won. */
  async function seek(i, how) {
    const mine = ++token;
    clearTimeout(hoverTimer);
    if (opts.pending) opts.pending(i);
    let data;
    try {
      data = await opts.load(i);
    } catch (error) {
      if (mine === token && opts.failed) opts.failed(error);
      if (mine === token) pause();
      return false;
    }
    if (mine !== token) return false;
    index = i;
    opts.show(i, data);
    where.textContent = opts.label ? opts.label(i) : `${i + 1} of ${opts.count}`;
    if (opts.settled) opts.settled(i, how);
    return true;
  }

  function prefetch(i) {
    for (const j of prefetchIndices(i, opts.count, PREFETCH)) Promise.resolve(opts.load(j)).catch(() => {});
  }

  async function tick() {
    if (!playing) return;
    if (index + 1 >= opts.count) {
      pause();
      return;
    }
    prefetch(index + 1);
    const shown = await seek(index + 1, "play");
    if (playing && shown) timer = setTimeout(tick, delay);
  }

  function setPlaying(on) {
    playing = on;
    toggle.textContent = on ? "Pause" : "Play";
    if (opts.root) opts.root.dataset.playing = String(on);
  }

  function play() {
    if (index + 1 >= opts.count) index = -1; // at the end: Play starts again
    setPlaying(true);
    clearTimeout(timer);
    if (index < 0) seek(0, "play").then((shown) => (playing && shown ? (timer = setTimeout(tick, delay)) : null));
    else timer = setTimeout(tick, delay);
  }

  function pause() {
    clearTimeout(timer);
    if (playing) setPlaying(false);
  }

  setPlaying(false);
  return {
    node: bar,
    play,
    pause,
    seek: (i, how = "pin") => {
      pause();
      return seek(i, how);
    },
    /** The mouse rests on frame i: the cursor moves now, the numbers once it has rested. */
    hover(i) {
      pause();
      token += 1; // an answer still on its way is for another position
      if (opts.cursor) opts.cursor(i);
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(() => seek(i, "hover"), HOVER_DELAY_MS);
    },
    at: () => index,
    playing: () => playing,
    destroy() {
      pause();
      clearTimeout(hoverTimer);
      token += 1;
    },
  };
}

const pct = (v, n) => `${(v / n) * 100}%`;

/**
 * Covers of the part of a map (a mapFigure) the sweep has not reached yet, so that the
 * output fills in as the player moves. Returns {show(y, x), clear()}.
 */
export function fillVeil(figure, height, width) {
  const frame = figure.canvas.parentElement;
  const covers = [0, 1].map(() => {
    const node = el("div", "dmap-veil");
    node.hidden = true;
    frame.append(node);
    return node;
  });
  return {
    show(y, x) {
      const boxes = unfilledBoxes(y, x, height, width);
      covers.forEach((node, k) => {
        const b = boxes[k];
        node.hidden = !b;
        if (b) Object.assign(node.style, { top: pct(b.top, height), left: pct(b.left, width), height: pct(b.height, height), width: pct(b.width, width) });
      });
    },
    clear() {
      for (const node of covers) node.hidden = true;
    },
  };
}
