import { Problem, type ErrorCode } from './api.js';

/** A problem+json answer from the backend, or a transport failure, as one typed error. */
export class ApiError extends Error {
  readonly code: ErrorCode | 'network_error' | 'invalid_response';
  readonly status: number;
  readonly problem: Problem | null;

  constructor(code: ApiError['code'], status: number, message: string, problem: Problem | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.problem = problem;
  }

  static fromProblem(problem: Problem): ApiError {
    return new ApiError(problem.code, problem.status, problem.detail ?? problem.title, problem);
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** Turns a response body into a Problem when it is one. */
export function parseProblem(body: unknown): Problem | null {
  const parsed = Problem.safeParse(body);
  return parsed.success ? parsed.data : null;
}
