// A journald namespace name (--journal-namespace), checked where the option is read and again before
// journalctl is asked for it.

/**
 * Why a journald namespace name would be refused, or null when it is fine. journald names a
 * directory `<machine-id>.<namespace>` and a unit instance after it: letters, digits and `_ . : -`.
 */
export function namespaceNameProblem(namespace: string): string | null {
  if (namespace === '' || namespace === '.' || namespace === '..') return `journal namespace "${namespace}" is not a name`;
  if (namespace.length > 222) return `journal namespace "${namespace.slice(0, 40)}…" is longer than 222 characters`;
  if (!/^[A-Za-z0-9_.:-]+$/.test(namespace)) return `journal namespace "${namespace}" may hold only letters, digits and _ . : -`;
  return null;
}
