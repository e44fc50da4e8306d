// Registers mend's search attributes on the namespace if they are missing (idempotent). Where the operator
// API is not allowed (e.g. a managed cluster), it says which to create and carries on.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { mendSearchAttributes } from '../common/search-attributes';

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = mendSearchAttributes.filter((k) => !(k.name in (customAttributes ?? {})));
    if (missing.length === 0) return [];
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
    return missing.map((k) => k.name);
  } catch (err) {
    if ((err as { code?: number }).code !== grpcPermissionDenied) throw err;
    const names = mendSearchAttributes.map((k) => `${k.name}=Keyword`).join(', ');
    console.warn(JSON.stringify({ level: 'WARN', message: `not allowed to register search attributes; create them: ${names}` }));
    return [];
  }
}

const grpcPermissionDenied = 7;
