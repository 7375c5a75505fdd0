// An error a person can act on: what failed, the server's words, and a retry.
interface Props {
  readonly title: string;
  readonly message: string;
  readonly onRetry?: () => void;
  /** A second way out, e.g. leaving without the server's agreement. */
  readonly extra?: { label: string; onClick: () => void };
}

export function ErrorNotice({ title, message, onRetry, extra }: Props) {
  return (
    <div role="alert" className="notice notice-error">
      <strong>{title}</strong>
      <p>{message}</p>
      {(onRetry || extra) && (
        <div className="row">
          {onRetry && (
            <button type="button" onClick={onRetry}>
              Retry
            </button>
          )}
          {extra && (
            <button type="button" onClick={extra.onClick}>
              {extra.label}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
