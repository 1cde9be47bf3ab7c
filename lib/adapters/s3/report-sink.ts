/**
 * Weekly reports in an S3 bucket, encrypted by the bucket's default key (the stack's customer key),
 * linked by pre-signed URLs. A link signed with a Lambda's temporary credentials stops working when
 * those credentials expire, which can be before the 7 days asked for; the object itself stays.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ReportSink } from '../../ports';

export class S3ReportSink implements ReportSink {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = 'reports/',
    /** How long a link works: 7 days, the most SigV4 allows. */
    private readonly linkSeconds = 7 * 24 * 3600,
  ) {}

  async put(name: string, contentType: string, body: Iterable<string>): Promise<string> {
    const key = `${this.prefix}${name}`;
    // streamed: one PutObject for a small file, a multipart upload of 5 MB parts (a few in flight)
    // for a large one, never the whole file in memory
    await new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: Readable.from(body), ContentType: contentType },
    }).done();
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: this.linkSeconds,
    });
  }
}
