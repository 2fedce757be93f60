import * as fs from 'fs';
import { ISO_3166_ALPHA2 } from '../../policy/iso-3166';

// The data-residency codes must be exactly the assigned ISO 3166-1 alpha-2 codes. tzdata (installed on
// every Debian system) keeps the list in iso3166.tab, maintained with the time zone database.
const TAB = '/usr/share/zoneinfo/iso3166.tab';

test("ISO_3166_ALPHA2 is exactly the list of assigned codes in tzdata's iso3166.tab", () => {
  const codes = fs
    .readFileSync(TAB, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t')[0])
    .sort();
  expect(ISO_3166_ALPHA2).toEqual(codes);
});
