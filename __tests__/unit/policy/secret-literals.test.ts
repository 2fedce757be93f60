import { findSecretLiterals, isSecretAttributeName } from '../../../policy';

describe('findSecretLiterals', () => {
  test.each([
    ['an attribute named like a password', { resource: { x: { y: { admin_password: 'Tr0ub4dor&3' } } } }, 'resource.x.y.admin_password', "attribute 'admin_password' with a literal value"],
    ['an api key attribute', { provider: { p: [{ apiKey: 'abcdef123456' }] } }, 'provider.p[0].apiKey', "attribute 'apiKey' with a literal value"],
    ['a secret-named env entry', { resource: { c: { w: { env: ['PORT=80', 'API_TOKEN=abc'] } } } }, 'resource.c.w.env[1]', 'environment variable API_TOKEN with a literal value'],
    ['a sensitive variable default', { variable: { pw: { sensitive: true, default: 'x1' } } }, 'variable.pw.default', "the default of variable 'pw'"],
    ['a PEM private key in a text', { resource: { f: { g: { content: 'a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n' } } } }, 'resource.f.g.content', 'text that contains a PEM private key'],
    ['an AWS access key id', { locals: { k: 'AKIAABCDEFGHIJKLMNOP' } }, 'locals.k', 'text that contains an AWS access key id'],
    ['a URL with a password', { terraform: { backend: { pg: { conn_str: 'postgres://app:s3cret@db/state' } } } }, 'terraform.backend.pg.conn_str', "attribute 'conn_str' with a literal value"],
    ['a password assigned inside a config file', { resource: { c: { w: { upload: [{ content: '[client]\npassword = s3cret\n' }] } } } }, 'resource.c.w.upload[0].content', "text that assigns a literal to 'password'"],
  ])('finds %s', (_what, json, path, reason) => {
    expect(findSecretLiterals(json)).toEqual([{ path, reason }]);
  });

  test.each([
    ['a variable reference', { resource: { c: { w: { env: ['DB_PASSWORD=${var.db_password}'], password: '${var.pw}' } } } }],
    ['flag values', { resource: { c: { w: { env: ['MYSQL_ALLOW_EMPTY_PASSWORD=yes', 'MYSQL_RANDOM_ROOT_PASSWORD=1'] } } } }],
    ['names that only mention a secret', { resource: { c: { w: { env: ['DB_PASSWORD_FILE=/run/secrets/db'] } } }, variable: { pw: { description: 'Root password (set TF_VAR_pw)', sensitive: true } } }],
    ['an S3 object key', { terraform: { backend: { s3: { key: 'prod/terraform.tfstate' } } } }],
    ['cloud-init sudo and password lock lines', { resource: { d: { u: { user_data: 'sudo: ALL=(ALL) NOPASSWD:ALL\nlock_passwd: true\nssh_pwauth: false\n' } } } }],
    ['a shell variable in a script', { resource: { n: { r: { inline: ['mysql --password=$DB_PASSWORD'] } } } }],
    ["cdktf's metadata", { resource: { c: { w: { '//': { metadata: { path: 'dev/secret_token' } } } } } }],
  ])('finds nothing in %s', (_what, json) => {
    expect(findSecretLiterals(json)).toEqual([]);
  });

  test('attribute names: secret words and pairs, not a bare key', () => {
    expect(['password', 'db_passwd', 'clientSecret', 'private_key', 'access-key', 'auth_token'].map(isSecretAttributeName)).toEqual([true, true, true, true, true, true]);
    expect(['key', 'host_key_file', 'keymap', 'public_key', 'description'].map(isSecretAttributeName)).toEqual([false, false, false, false, false]);
  });
});
