/**
 * Without an ADC file, google-auth-library looks for a Google Cloud metadata server; off Google
 * Cloud that lookup fails and gcp-metadata emits a `MetadataLookupWarning` (its own words, with a
 * Node stack hint). gwkit says what is missing itself (no Application Default Credentials, and the
 * fix), so that one warning is dropped; every other warning reaches Node's own writer unchanged.
 */
export function dropMetadataLookupWarnings(): void {
  const writers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'MetadataLookupWarning') return;
    for (const write of writers) write(warning);
  });
}
