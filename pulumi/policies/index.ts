export * from './document';
export * from './glue';
export * from './ingest';
export * from './keys';
export * from './lambda';
export * from './orchestration';
export * from './storage';
export * from './trust';
