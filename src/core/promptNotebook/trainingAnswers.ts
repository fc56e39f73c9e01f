/** The answers of a prompt cell that "Add as Training Example" offers as the training output. */
import { type AnswerOutputMetadata, type ComparisonOutputMetadata, type OutputLike } from './outputMetadata';

export interface AnswerChoice {
  label: string;
  text: string;
  /** The candidate index; in a comparison, 0 is the tuned answer and 1 the base answer. */
  index: number;
}

export function answerChoices(outputs: readonly OutputLike[]): AnswerChoice[] {
  const answers: AnswerChoice[] = [];
  for (const output of outputs) {
    const role = (output.metadata as { role?: string } | undefined)?.role;
    if (role === 'answer') {
      const meta = output.metadata as unknown as AnswerOutputMetadata;
      answers.push({ label: `Candidate ${meta.candidateIndex + 1}`, text: output.text, index: meta.candidateIndex });
    }
    if (role === 'comparison') {
      const meta = output.metadata as unknown as ComparisonOutputMetadata;
      answers.push({ label: `Tuned answer (${meta.tunedModel})`, text: meta.tunedText, index: 0 });
      answers.push({ label: `Base answer (${meta.baseModel})`, text: meta.baseText, index: 1 });
    }
  }
  return answers;
}

/** The answer used without asking: the requested candidate, else the first. */
export function defaultAnswer(answers: readonly AnswerChoice[], candidateIndex = 0): AnswerChoice | undefined {
  return answers.find((a) => a.index === candidateIndex) ?? answers[0];
}

/** An answer on one line, short enough for a quick pick description. */
export function answerPreview(text: string, max = 80): string {
  return text.replace(/\s+/g, ' ').slice(0, max);
}
