/**
 * Face photos are made small on the phone before upload: a square crop from the
 * middle, at most 512 px, as JPEG. A 12-megapixel camera photo becomes ~60 KB, which
 * matters on a congested network. The server still checks the bytes and the size.
 */
export const PHOTO_SIZE = 512;
const ACCEPTED = ["image/jpeg", "image/png", "image/webp"];

export class PhotoProblem extends Error {
  constructor(readonly code: "type" | "unreadable") {
    super(code);
  }
}

export async function resizePhoto(file: File, size = PHOTO_SIZE, quality = 0.85): Promise<Blob> {
  if (!ACCEPTED.includes(file.type)) throw new PhotoProblem("type");
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // Claims to be an image and is not: nothing is sent.
    throw new PhotoProblem("unreadable");
  }
  const side = Math.min(bitmap.width, bitmap.height);
  const out = Math.min(size, side);
  const canvas = document.createElement("canvas");
  canvas.width = out;
  canvas.height = out;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new PhotoProblem("unreadable");
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, out, out);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  if (!blob) throw new PhotoProblem("unreadable");
  return blob;
}
