/**
 * S3 event notification filters, evaluated the way S3 evaluates them: a configuration fires
 * when the key starts with its `prefix` rule and ends with its `suffix` rule, compared
 * case-sensitively and byte for byte (Amazon S3 User Guide, "Configuring event notifications
 * using object key name filtering", checked 2026-11). Used on every template we deploy.
 */

export interface S3KeyRule {
  readonly Name: string;
  readonly Value: string;
}

/** The part of a Lambda, queue or topic notification configuration the filter lives in. */
export interface NotificationFilter {
  readonly Filter?: { readonly S3Key?: { readonly Rules?: readonly S3KeyRule[] } };
}

/**
 * Whether a notification configuration fires for an object key.
 *
 * @example
 * ```ts
 * notifies({ Filter: { S3Key: { Rules: [{ Name: 'suffix', Value: '.jpg' }] } } }, 'uploads/IMG_1.JPG'); // false
 * ```
 */
export function notifies(config: NotificationFilter, key: string): boolean {
  return (config.Filter?.S3Key?.Rules ?? []).every((rule) => {
    // Rule names are case-insensitive in the API ("prefix" or "Prefix"); values are not.
    const name = rule.Name.toLowerCase();
    if (name === 'prefix') return key.startsWith(rule.Value);
    if (name === 'suffix') return key.endsWith(rule.Value);
    throw new Error(`Unknown S3 key filter rule ${rule.Name}`);
  });
}

/** Keys people really upload: camera and scanner names, mixed case, spaces and unicode. */
export const REAL_WORLD_UPLOAD_KEYS = [
  'uploads/IMG_0001.JPG',
  'uploads/Scan.PNG',
  'uploads/x.Tiff',
  'uploads/photo.jpeg',
  'uploads/IMG_4711.HEIC',
  'uploads/holiday 2026/my photo ü 猫.jpg',
  'uploads/DSC01234.Jpg',
  'uploads/screenshot.webp',
] as const;
