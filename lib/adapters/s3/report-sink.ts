/** Weekly reports in an S3 bucket (encrypted with the bucket's key), linked by pre-signed URLs. */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
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

  async put(name: string, contentType: string, body: string): Promise<string> {
    const key = `${this.prefix}${name}`;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ServerSideEncryption: 'aws:kms',
      }),
    );
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: this.linkSeconds,
    });
  }
}
