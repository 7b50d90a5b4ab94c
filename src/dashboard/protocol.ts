/** What the CLI asks the daemon (POST /v1/dashboard) and what it answers. */
export interface DashboardRequest {
  /** Listen on this port; absent: keep the current one, or pick a free one. */
  port?: number
  /** The seaweed.yaml the page's actions (start/stop/restart/scale) work on, as the CLI's would. */
  specFile?: string
  /** Also hand out a one-time code for a browser opened by the CLI (the token itself never goes on a command line). */
  open?: boolean
}

export type DashboardAnswer =
  | {url: string; port: number; tokenFile: string; openUrl?: string}
  | {error: {code: string; message: string; hints?: string[]; data?: Record<string, unknown>}}

/** runDir/dashboard.token (0600): the page's token, new for every daemon. */
export const TOKEN_FILE = 'dashboard.token'
