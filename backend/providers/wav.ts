/**
 * The smallest WAV every player accepts: a 44-byte RIFF header, one `fmt ` chunk (16-bit PCM, mono) and one `data`
 * chunk.
 */

export const WAV_HEADER_BYTES = 44;

/** Encodes samples in [-1, 1] (values outside are clipped) as a 16-bit PCM mono WAV file. */
export function encodeWavMono16(samples: Float32Array, sampleRate: number): Buffer {
  const bytesPerSample = 2;
  const dataBytes = samples.length * bytesPerSample;
  const wav = Buffer.alloc(WAV_HEADER_BYTES + dataBytes);

  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');

  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // size of the PCM fmt chunk body
  wav.writeUInt16LE(1, 20); // format 1 = integer PCM
  wav.writeUInt16LE(1, 22); // channels
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * bytesPerSample, 28); // byte rate
  wav.writeUInt16LE(bytesPerSample, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample

  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);

  for (let i = 0; i < samples.length; i += 1) {
    const clipped = Math.max(-1, Math.min(1, samples[i] ?? 0));
    wav.writeInt16LE(Math.round(clipped * 32767), WAV_HEADER_BYTES + i * bytesPerSample);
  }
  return wav;
}
