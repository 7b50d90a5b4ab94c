import * as Flags from '@oclif/core/flags'

/** `--weed PATH`: first in the search order (then $SEAWEEDCTL_WEED, weed.binary, the cache, PATH). */
export const weedFlag = {
  weed: Flags.string({summary: 'the weed executable to use (before $SEAWEEDCTL_WEED, weed.binary, the cache and PATH)'}),
}
