import { Testing } from 'cdktf';
// Brings the matchers' type declarations (jest.Matchers) into every test file.
import 'cdktf/lib/testing/adapters/jest';

// Enables cdktf's jest matchers (toHaveResourceWithProperties, toBeValidTerraform, ...).
Testing.setupJest();

// Jest's source-map support is installed by now; real errors keep it, cdktf's token traces skip it.
const traces = require('../scripts/token-stack-traces') as { skipTokenStackTraces(errorClass: ErrorConstructor): void };
traces.skipTokenStackTraces(Error);
