// The top bar's Explorer button: always there, whatever is selected or open. It keeps
// the selected layer, so a conv or pooling layer opens the explorer with its own settings.
// Detail views open below the top bar (--topbar-height), so the button is never covered.
import { stateOfSettings } from "../core/explorer.js";

export function wireExplorerEntry(button, navigate) {
  if (!button) return;
  button.addEventListener("click", () => navigate({ view: "explorer", channel: null, y: null, x: null, input: null, ...stateOfSettings(null) }));
  const bar = button.closest(".topbar");
  if (!bar) return;
  const measure = () => document.documentElement.style.setProperty("--topbar-height", `${bar.offsetHeight}px`);
  new ResizeObserver(measure).observe(bar);
  measure();
}
