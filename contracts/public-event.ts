// The public Spark event format as adapters of AI coding tools emit it: SparkEventV1 without
// Spark's own `id` and `type`. The edge completes them (edge/services/public-events.ts).
import { z } from 'zod';
import { sparkEventV1 } from './event';

export const publicSparkEvent = sparkEventV1.partial({ id: true, type: true });
export type PublicSparkEvent = z.infer<typeof publicSparkEvent>;

export const publicIngestAnswer = z.object({ accepted: z.literal(1), id: z.uuid(), type: z.string() });
