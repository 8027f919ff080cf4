import { Testing } from 'cdktf';
// Brings cdktf's global jest matcher types (toHaveResourceWithProperties, ...) into scope.
import type {} from 'cdktf/lib/testing/adapters/jest';

Testing.setupJest();
