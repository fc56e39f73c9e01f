import { resolveHyperparameters } from '../../core/api/tuningDefaults';
import { LocalTrainedModel, type TrainedModel } from './trainedModel';
import { type MemoryExample } from './model';
import { Trainer } from './trainer';

/**
 * What `models/gemini-1.5-flash-001-tuning` answers with on the local server: a small model of the
 * same kind as the tuned ones, trained in a fraction of a second on the few paragraphs below. It
 * lets people compare a tuned model with an untuned one; it is not Gemini and knows nothing else.
 */
const CORPUS = `
This is a small language model that runs on your own computer. It is not Gemini. It was trained in a moment on a few paragraphs of English, so it can only continue sentences that look like the ones it has read. Tune it on your own examples to teach it a task.

Tuning teaches a model by example. You give it pairs of inputs and outputs, and it learns to produce the output when it sees the input. A few dozen good examples are often enough for a simple task. More examples and more epochs help the model remember, but they take longer to train.

Each step of training reads a small batch of examples. The model guesses every character of each output and measures how surprised it was. That surprise is the loss. As training goes on, the loss falls, because the model learns what comes next.

The weather today is mild and clear. A light wind comes from the west, and the afternoon will be warm. Tomorrow there may be rain in the morning, followed by sunshine. It is a good day for a walk in the park.

To make a simple cup of tea, boil fresh water and pour it over the leaves. Let it steep for three to five minutes. Remove the leaves, add milk or lemon if you like, and enjoy it while it is hot.

A notebook is a good place to try a prompt. Write the prompt in a cell and run it to see the answer. Change the temperature to make the answers more varied, or set it to zero to get the same answer every time. Compare the base model with a tuned one to see what tuning changed.

In spring the days grow longer and the trees turn green. Summer brings long evenings and warm nights. In autumn the leaves fall and the air smells of rain. Winter is cold and quiet, and the nights are long.

The quick brown fox jumps over the lazy dog. The dog does not move, because it is asleep in the sun. Later the fox returns to the forest, and the dog wakes up for dinner.
`;

const DIALOGUE: MemoryExample[] = [
  { textInput: 'Hello', output: 'Hello! I am a small local model, not Gemini. Tune me with your own examples.' },
  { textInput: 'Who are you?', output: 'I am a small language model running on your computer. I am not Gemini.' },
  { textInput: 'What can you do?', output: 'I can continue a few kinds of sentences. After tuning, I answer like your examples.' },
  { textInput: 'What is tuning?', output: 'Tuning teaches a model by example: pairs of inputs and outputs.' },
];

function corpusExamples(): MemoryExample[] {
  const examples: MemoryExample[] = [...DIALOGUE];
  for (const paragraph of CORPUS.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)) {
    const sentences = paragraph.match(/[^.!?]+[.!?]+/g)?.map((s) => s.trim()) ?? [];
    for (let i = 0; i + 1 < sentences.length; i++) {
      examples.push({ textInput: sentences[i], output: sentences[i + 1] });
    }
    if (sentences.length > 0) examples.push({ textInput: sentences[sentences.length - 1], output: sentences[0] });
  }
  return examples;
}

let cached: LocalTrainedModel | undefined;

/** The built-in base model, trained on first use (well under a second) and then kept. */
export function baseModel(): TrainedModel {
  if (!cached) {
    const examples = corpusExamples();
    const hp = resolveHyperparameters(examples.length);
    const trainer = new Trainer({ examples, ...hp, seed: 1 });
    trainer.runToEnd();
    cached = new LocalTrainedModel(trainer.model, trainer.completedSteps);
  }
  return cached;
}
