import { Token } from 'cdktf';

/**
 * Keeps a string literal where Terraform reads strings as templates: `${...}` and `%{...}` (in shell
 * scripts, nginx.conf, cloud-init) become `$${...}` and `%%{...}`. A string holding cdktf tokens is
 * returned as is, since its references must stay live.
 */
export function terraformLiteral(text: string): string {
  if (Token.isUnresolved(text)) return text;
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}
