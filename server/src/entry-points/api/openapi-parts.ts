/** Pieces of the OpenAPI document (openapi.ts) shared by the files that write its paths. */
export type JsonObject = Record<string, unknown>;

export const ref = (id: string): JsonObject => ({ $ref: `#/components/schemas/${id}` });
export const json = (schemaId: string): JsonObject => ({
  content: { 'application/json': { schema: ref(schemaId) } },
});
export const error = (description: string): JsonObject => ({ description, ...json('ErrorBody') });
export const bearer = [{ deviceToken: [] }];
