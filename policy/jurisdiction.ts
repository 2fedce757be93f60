import { IConstruct } from 'constructs';
import { fail } from '../constructs/validation';
import { quote } from '../renderers/invalid-input';
import { attach, nearestAttached } from './attached';
import { whyNotCountryCode } from './iso-3166';

const JURISDICTION = Symbol.for('cdktf-kvm-microservices/policy/jurisdiction');

/**
 * Where machines are and where they may be, for the `data-residency` rule. `set` declares the
 * jurisdiction of a construct and everything under it (a host, or a whole stack whose hosts are all in
 * one country); `allowOnly` declares the jurisdictions the hosts under a scope (an environment) must be
 * in. Codes are assigned ISO 3166-1 alpha-2 country codes (`ISO_3166_ALPHA2`), e.g. 'NO' for Norway
 * (Personopplysningsloven).
 *
 * ```ts
 * Jurisdiction.of(prodStack).allowOnly(['NO']);
 * Jurisdiction.of(prodStack.application.hosts[0].kvmHost!).set('NO');
 * ```
 */
export class Jurisdiction {
  /** The jurisdiction record of a construct (created on first use). */
  static of(scope: IConstruct): Jurisdiction {
    return attach(scope, JURISDICTION, () => new Jurisdiction(scope));
  }

  private code?: string;
  private allowedCodes?: readonly string[];

  private constructor(private readonly scope: IConstruct) {}

  /** Declares where this construct (and everything under it) is located; throws on a second, different value. */
  set(code: string): string {
    checkCode(this.scope, 'jurisdiction', code);
    if (this.code !== undefined && this.code !== code) {
      fail(this.scope, `jurisdiction is already set to ${quote(this.code)}; a construct is in one place, so set it once`);
    }
    this.code = code;
    return code;
  }

  /** Declares the jurisdictions hosts under this scope must be in (at least one code). */
  allowOnly(codes: readonly string[]): readonly string[] {
    if (codes.length === 0) fail(this.scope, 'allowed jurisdictions [] would forbid every host; list at least one code, e.g. [\'NO\']');
    for (const code of codes) checkCode(this.scope, 'allowed jurisdiction', code);
    this.allowedCodes = [...codes];
    return this.allowedCodes;
  }

  /** The jurisdiction declared here or on the nearest ancestor that declares one. */
  get declared(): string | undefined {
    return this.nearest((j) => j.code);
  }

  /** The allowed jurisdictions declared here or on the nearest ancestor that declares them. */
  get allowed(): readonly string[] | undefined {
    return this.nearest((j) => j.allowedCodes);
  }

  private nearest<T>(pick: (j: Jurisdiction) => T | undefined): T | undefined {
    return nearestAttached(this.scope, JURISDICTION, pick);
  }
}

function checkCode(scope: IConstruct, what: string, code: string): void {
  const why = whyNotCountryCode(code);
  if (why !== undefined) fail(scope, `${what} ${why}`);
}
