/**
 * How large one record may get. A record over the cap is written with its longest values cut
 * and marked (`…[truncated: N characters]`, `"[Truncated: over N bytes]"`), so one huge field
 * (50 MB of metadata, a 100-million-character error message) costs the emitting thread the
 * cap's worth of work, not the field's.
 *
 * 1 MiB: far above an agent loop's ordinary records (a few hundred bytes to a few KB; the
 * reference's previews are 200 characters), and a quarter of the offloaded sink's default
 * ring, so a record at the cap still fits it whole.
 */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/** The smallest cap an option may set: room for the envelope and a marker. */
export const MIN_MAX_RECORD_BYTES = 1024;
