// The reusable constructs, one concept a file; this file only re-exports them.
export * from './validation';
export * from './provider-types';
export * from './docker-host';
export * from './service-network';
export * from './container-service';
export * from './database-service';
export * from './nginx-gateway';
export * from './kvm-network';
export * from './kvm-host';
export * from './tuned-server';
