/** The audio tools of the built-in provider: text-to-speech and music, as mono 16-bit WAV. */
import { encodeWavMono16 } from '../wav.js';
import { type RenderedFile, type RenderInput, randomFor } from './render.js';

const AUDIO_SAMPLE_RATE = 22_050;
const SPEECH_CHARACTERS_PER_S = 12;
const MIN_SPEECH_S = 1;
const MAX_SPEECH_S = 60;
const MUSIC_DURATION_S = 30;

// ---- audio ---------------------------------------------------------------------------------------------------

/** A voice-like hum: one syllable per three letters, words in the order of the prompt, pitch drifting like speech. */
export async function renderSpeech({ request, index }: RenderInput): Promise<RenderedFile> {
  const random = randomFor(request, index);
  const characters = [...request.prompt.trim()].length;
  const durationS =
    request.settings.durationS ??
    Math.min(MAX_SPEECH_S, Math.max(MIN_SPEECH_S, Math.ceil(characters / SPEECH_CHARACTERS_PER_S)));
  const samples = new Float32Array(durationS * AUDIO_SAMPLE_RATE);

  const words = request.prompt.split(/\s+/).filter((word) => word.length > 0);
  const spoken = words.length > 0 ? words : ['hm'];
  const totalWeight = spoken.reduce((sum, word) => sum + [...word].length + 1, 0);
  const voicePitch = random.between(95, 220);
  let startS = 0;
  for (const word of spoken) {
    const letters = [...word].length;
    const slotS = (durationS * (letters + 1)) / totalWeight;
    const syllables = Math.max(1, Math.round(letters / 3));
    const syllableS = (slotS * letters) / (letters + 1) / syllables;
    for (let syllable = 0; syllable < syllables; syllable += 1) {
      addTone(samples, {
        startS: startS + syllable * syllableS,
        lengthS: syllableS * 0.85,
        frequency: voicePitch * 2 ** (random.between(-3, 4) / 12),
        amplitude: 0.35,
        harmonics: [1, 0.5, 0.3, 0.15],
        envelope: 'voice',
      });
    }
    startS += slotS;
  }
  return wavFile(samples, durationS);
}

/** A pentatonic melody over a bass line, tempo and key chosen by the prompt and seed. */
export async function renderMusic({ request, index }: RenderInput): Promise<RenderedFile> {
  const random = randomFor(request, index);
  const durationS = request.settings.durationS ?? MUSIC_DURATION_S;
  const samples = new Float32Array(durationS * AUDIO_SAMPLE_RATE);

  const beatS = 60 / random.integer(84, 132);
  const rootMidi = random.integer(57, 69);
  const scale = random.next() < 0.5 ? [0, 2, 4, 7, 9] : [0, 3, 5, 7, 10];
  const noteFrequency = (degree: number): number => {
    const octave = Math.floor(degree / scale.length);
    const step = scale[((degree % scale.length) + scale.length) % scale.length]!;
    return 440 * 2 ** ((rootMidi + 12 * octave + step - 69) / 12);
  };

  let degree = random.integer(0, 4);
  for (let beat = 0; beat * beatS < durationS;) {
    const lengthBeats = random.pick([0.5, 1, 1, 2]);
    if (random.next() > 0.15) {
      addTone(samples, {
        startS: beat * beatS,
        lengthS: lengthBeats * beatS,
        frequency: noteFrequency(degree),
        amplitude: 0.3,
        harmonics: [1, 0.35, 0.12],
        envelope: 'pluck',
      });
    }
    degree = Math.max(-2, Math.min(9, degree + random.integer(-2, 2)));
    beat += lengthBeats;
  }

  const barS = 4 * beatS;
  for (let bar = 0; bar * barS < durationS; bar += 1) {
    addTone(samples, {
      startS: bar * barS,
      lengthS: barS,
      frequency: noteFrequency(random.pick([0, 0, 3, 4])) / 4,
      amplitude: 0.25,
      harmonics: [1, 0.2],
      envelope: 'pluck',
    });
  }
  fadeEdges(samples, 0.02, 0.5);
  return wavFile(samples, durationS);
}

interface Tone {
  startS: number;
  lengthS: number;
  frequency: number;
  amplitude: number;
  /** Relative amplitude of the fundamental and each overtone. */
  harmonics: readonly number[];
  /** 'pluck' strikes and decays; 'voice' swells and falls with a slight vibrato. */
  envelope: 'pluck' | 'voice';
}

function addTone(samples: Float32Array, tone: Tone): void {
  const start = Math.round(tone.startS * AUDIO_SAMPLE_RATE);
  const length = Math.round(tone.lengthS * AUDIO_SAMPLE_RATE);
  const end = Math.min(samples.length, start + length);
  const attack = Math.min(length / 4, 0.01 * AUDIO_SAMPLE_RATE);
  for (let i = start; i < end; i += 1) {
    const n = i - start;
    const t = n / AUDIO_SAMPLE_RATE;
    let gain: number;
    let frequency = tone.frequency;
    if (tone.envelope === 'pluck') {
      // A short linear attack avoids a click; the tail reaches silence at the note's end.
      gain = Math.min(1, n / attack) * Math.exp((-4 * n) / length) * (1 - n / length);
    } else {
      gain = Math.sin((Math.PI * n) / length);
      frequency *= 1 + 0.01 * Math.sin(2 * Math.PI * 5.5 * t);
    }
    let value = 0;
    for (let harmonic = 0; harmonic < tone.harmonics.length; harmonic += 1) {
      value += tone.harmonics[harmonic]! * Math.sin(2 * Math.PI * frequency * (harmonic + 1) * t);
    }
    samples[i] = samples[i]! + tone.amplitude * gain * value;
  }
}

function fadeEdges(samples: Float32Array, fadeInS: number, fadeOutS: number): void {
  const fadeIn = Math.min(samples.length, Math.round(fadeInS * AUDIO_SAMPLE_RATE));
  const fadeOut = Math.min(samples.length, Math.round(fadeOutS * AUDIO_SAMPLE_RATE));
  for (let i = 0; i < fadeIn; i += 1) samples[i] = samples[i]! * (i / fadeIn);
  for (let i = 0; i < fadeOut; i += 1) {
    const at = samples.length - 1 - i;
    samples[at] = samples[at]! * (i / fadeOut);
  }
}

function wavFile(samples: Float32Array, durationS: number): RenderedFile {
  return {
    bytes: encodeWavMono16(samples, AUDIO_SAMPLE_RATE),
    extension: 'wav',
    kind: 'audio',
    mime: 'audio/wav',
    durationS,
  };
}
