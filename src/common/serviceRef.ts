// Icinga services named on the command line (--downtime-services), apart from the API client, so
// reading the option table does not load https.

/** A service as Icinga names it: `HOST!SERVICE`. */
export interface ServiceRef {
  host: string;
  service: string;
}

/** `HOST!SERVICE,HOST!SERVICE` (--downtime-services) to services; throws naming the bad word and the fix. */
export function parseServiceList(text: string, flag: string): ServiceRef[] {
  const words = text
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 0) throw new Error(`${flag}: give HOST!SERVICE[,HOST!SERVICE…], e.g. 'db-1!postgres replication'`);
  return words.map((w) => {
    const bang = w.indexOf('!');
    const host = w.slice(0, bang);
    const service = w.slice(bang + 1);
    if (bang <= 0 || !service || service.includes('!'))
      throw new Error(`${flag}: ${JSON.stringify(w)} is not HOST!SERVICE (the names Icinga shows, joined by one !), e.g. 'db-1!postgres replication'`);
    return { host, service };
  });
}
