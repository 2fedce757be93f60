import { quote } from '../renderers/invalid-input';

/**
 * Every officially assigned ISO 3166-1 alpha-2 country code (249, the list of Debian's iso-codes 4.15
 * and of tzdata's iso3166.tab), for the data-residency declarations. Reserved and user-assigned codes ('UK',
 * 'EU', 'XX'...) are not countries and are not here.
 */
export const ISO_3166_ALPHA2: readonly string[] = Object.freeze([
  'AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ',
  'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV', 'BW', 'BY', 'BZ',
  'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ',
  'DE', 'DJ', 'DK', 'DM', 'DO', 'DZ',
  'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET',
  'FI', 'FJ', 'FK', 'FM', 'FO', 'FR',
  'GA', 'GB', 'GD', 'GE', 'GF', 'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY',
  'HK', 'HM', 'HN', 'HR', 'HT', 'HU',
  'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT',
  'JE', 'JM', 'JO', 'JP',
  'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ',
  'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY',
  'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ',
  'NA', 'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ',
  'OM',
  'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY',
  'QA',
  'RE', 'RO', 'RS', 'RU', 'RW',
  'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ',
  'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ',
  'UA', 'UG', 'UM', 'US', 'UY', 'UZ',
  'VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU',
  'WF', 'WS',
  'YE', 'YT',
  'ZA', 'ZM', 'ZW',
]);

// Codes people write for a country that the standard only reserves, with the assigned code meant.
const RESERVED: Readonly<Record<string, string>> = {
  UK: "'UK' is only reserved in ISO 3166-1; the United Kingdom is 'GB'",
  EL: "'EL' is only reserved in ISO 3166-1 (the EU uses it for Greece); Greece is 'GR'",
  EU: "'EU' is the European Union, not a country; list the countries allowed, e.g. ['DE', 'FR', 'NL']",
};

/**
 * Why `code` is not an assigned country code (not two capitals, reserved, or unassigned), or
 * `undefined` when it is one.
 */
export function whyNotCountryCode(code: unknown): string | undefined {
  if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code)) return `${quote(code)} must be an ISO 3166-1 alpha-2 country code in capitals, e.g. 'NO' for Norway`;
  if (ISO_3166_ALPHA2.includes(code)) return undefined;
  return RESERVED[code] ?? `${JSON.stringify(code)} is not an assigned ISO 3166-1 alpha-2 country code; use the code of the country, e.g. 'NO' for Norway`;
}
