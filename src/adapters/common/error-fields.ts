/** The `errorType` and `errorMsg` of an error-like value, for failure and error events. */
export function errorFields(error: unknown): { errorType: string; errorMsg: string } {
  if (error instanceof Error) return { errorType: error.name, errorMsg: error.message };
  if (typeof error === 'object' && error !== null) {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (typeof message === 'string') {
      return { errorType: typeof name === 'string' ? name : 'Error', errorMsg: message };
    }
  }
  return { errorType: typeof error, errorMsg: String(error) };
}
