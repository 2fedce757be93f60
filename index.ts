// The public API of cdktf-kvm-microservices: the constructs, the pure renderers, the environment stack
// and the policy pack. The generated libvirt bindings are not re-exported here: they are imported by
// resource from 'cdktf-kvm-microservices/providers/libvirt/<resource>', so an app loads only the
// resources it uses.
export * from './constructs';
export * from './renderers';
export * from './stacks';
export * from './policy';
