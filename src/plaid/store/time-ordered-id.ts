// Ids for rows that are written in time order (the event log's deliveries): UUIDs of version 7 (RFC 9562), whose
// first 48 bits are the Unix time in milliseconds. Ids made one after another sort together, so a new row's id goes
// at the end of the table's unique index rather than on a random page of it: a random page is one more page each
// commit writes and syncs (bench/: the log's cost per delivery on SQLite). The other 74 bits are random, so an id is
// still unique and unguessable, and still a UUID to whoever reads it.
import { randomUUID } from 'node:crypto';

export function timeOrderedUuid(nowMs: number): string {
  // randomUUID draws from a pool of random bytes (randomBytes(16) would ask the kernel at every call): its version 4
  // id gives the random digits and the variant; the time and the version digit replace its first 13 digits.
  const time = nowMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}
