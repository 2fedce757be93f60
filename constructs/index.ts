// The reusable constructs, one concept a file; this file only re-exports them.
export * from './validation';
export * from './identity';
export * from './provider-types';
export * from './docker-host';
export * from './service-network';
export * from './container-service';
export * from './database-service';
export * from './nginx-gateway';
export * from './kvm-network';
export * from './kvm-host';
export * from './tuned-server';
export * from './container-job';
export * from './reloadable-nginx';
export * from './stream-relay';
export * from './application-spec';
export * from './application-hosts';
export * from './application';
