// Where the app's data comes from: the ConvScope server (api.js, detailapi.js), or the
// files of a site written by convscope export-site, whose index.html says
// <html data-source="static">. The static source is loaded only there.
import { api } from "./api.js";
import { detailApi } from "./detailapi.js";

/** {api, detailApi} for the page's data-source ("static" or the server's by default). */
export async function dataSources(kind) {
  if (kind !== "static") return { api, detailApi };
  const { staticApi, staticDetailApi } = await import("./static/source.js");
  return { api: staticApi, detailApi: staticDetailApi };
}
