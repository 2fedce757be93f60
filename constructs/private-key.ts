import { IConstruct } from 'constructs';
import { isTerraformVariable } from './identity';
import { fail } from './validation';

/**
 * Checks the SSH private key a construct logs in with (`KvmHost.addReadinessCheck`, `TunedServer`): it
 * must be a sensitive `TerraformVariable` of type string, so only a `${var.…}` reference reaches
 * cdk.tf.json and the key is masked in plans. A string (from JavaScript, where types are not checked)
 * is refused without showing it.
 */
export function checkPrivateKeyVariable(scope: IConstruct, privateKey: unknown): void {
  if (!isTerraformVariable(privateKey)) {
    const given = typeof privateKey === 'string' ? 'a string (value not shown)' : privateKey === undefined || privateKey === null ? String(privateKey) : `a ${typeof privateKey}`;
    fail(
      scope,
      `privateKey must be a TerraformVariable declared with sensitive: true, but it is ${given}: a key written in code ends up in cdk.tf.json and in every plan; declare new TerraformVariable(stack, 'ssh_private_key', { type: 'string', sensitive: true }), pass that as privateKey, and set TF_VAR_ssh_private_key when you apply`,
    );
  }
  if (privateKey.sensitive !== true) {
    fail(scope, `privateKey variable "${privateKey.friendlyUniqueId}" must be declared with sensitive: true, or the key shows up in plans and logs; add sensitive: true to its TerraformVariable`);
  }
  if (privateKey.type !== undefined && privateKey.type !== 'string') {
    fail(scope, `privateKey variable "${privateKey.friendlyUniqueId}" has type ${JSON.stringify(privateKey.type)}; declare it with type: "string"`);
  }
}
