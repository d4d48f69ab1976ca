import { defineSettings } from '@adv/deploy';

/** Production-like settings for the tests: DEBUG off, a strong key, only loopback hosts allowed. */
export const settings = defineSettings({
  env: {
    DEBUG: 'false',
    SECRET_KEY: 'recipes-test-9f8e7d6c5b4a3928171605f4e3d2c1b0a99887766554433221100ffeeddccbbaa',
    ALLOWED_HOSTS: '127.0.0.1,localhost',
  },
  envFile: false,
});
