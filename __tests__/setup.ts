import { Testing } from 'cdktf';

// Enables cdktf's jest matchers (toHaveResourceWithProperties, toBeValidTerraform, ...).
Testing.setupJest();
