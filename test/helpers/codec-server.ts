import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { installErrorHandler } from '../../api/errors';
import { codecRoutes, CODEC_PREFIX, type CodecRouteDeps } from '../../api/routes/codec';

/**
 * The codec plugin under the API's own error handling and validation, as `api/server.ts` mounts
 * it, without the rest of the API (whose dependencies the codec does not need).
 */
export async function codecServer(deps: CodecRouteDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(codecRoutes, { prefix: CODEC_PREFIX, ...deps });
  return app;
}
