import { TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/** How a user adds the default provider of each type this library's bricks use. */
const HOW_TO_ADD: Record<string, string> = {
  null: "new NullProvider(stack, 'null') from '@cdktf/provider-null/lib/provider'",
  libvirt: "new LibvirtProvider(stack, 'libvirt', { uri: 'qemu:///system' }) from 'cdktf-kvm-microservices/providers/libvirt/provider'",
};

/**
 * Checks at synth, once the whole tree is built, that a brick given no `provider` finds the stack's
 * default provider of that type. cdktf's own check names only the stack and the provider type; this one
 * names the construct, the setting and the line to add.
 */
export function requireProviderAtSynth(scope: Construct, type: 'null' | 'libvirt', given: TerraformProvider | undefined, setting = 'provider'): void {
  if (given !== undefined) return;
  scope.node.addValidation({
    validate: () => {
      const stack = TerraformStack.of(scope);
      const found = stack.node.findAll().some((c) => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === type && c.alias === undefined);
      if (found) return [];
      return [
        `${scope.constructor.name} [${scope.node.path}]: ${setting} is not set and stack '${stack.node.id}' has no default ${type} provider (one without an alias), so its resources would have no provider; add ${HOW_TO_ADD[type]} to the stack, or pass the provider to use as ${setting}`,
      ];
    },
  });
}
