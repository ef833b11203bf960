// What the mongoose schemas of every repository (src/store/<repository>/mongoose.schema.ts) share.
// Records keep their own string `id`: MongoDB's `_id` stays an internal ObjectId and never leaves the adapter.

// versionKey: records are replaced whole, never merged, so optimistic versioning buys nothing.
// minimize: an empty `settings` or `detail` object must come back as {}, not vanish.
// id: records have a real `id` field, so mongoose's `id` virtual must not shadow it.
export const RECORD = { versionKey: false, minimize: false, id: false } as const;
export const PART = { _id: false, id: false } as const;

export const text = { type: String, default: '' };
export const nullableText = { type: String, default: null };
export const requiredText = { type: String, required: true };
export const strings = { type: [String], default: [] };
