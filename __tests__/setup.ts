import { Testing } from 'cdktf';
import { skipTokenStackTraces } from '../scripts/token-stack-traces';
// Brings the matchers' type declarations (jest.Matchers) into every test file.
import 'cdktf/lib/testing/adapters/jest';

// Enables cdktf's jest matchers (toHaveResourceWithProperties, toBeValidTerraform, ...).
Testing.setupJest();

// Jest's source-map support is installed by now; real errors keep it, cdktf's token traces skip it.
skipTokenStackTraces(Error);
