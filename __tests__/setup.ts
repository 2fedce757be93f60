import { Testing } from 'cdktf';
// Brings the matchers' type declarations (jest.Matchers) into every test file.
import 'cdktf/lib/testing/adapters/jest';

// Enables cdktf's jest matchers (toHaveResourceWithProperties, toBeValidTerraform, ...).
Testing.setupJest();
