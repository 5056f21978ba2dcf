//! Retries: which failures another attempt may cure, and when another
//! attempt is safe (the rules of sdk/go/retry.go).

use std::future::Future;
use std::time::Duration;

use connectrpc::ConnectError;
use connectrpc::client::CallOptions;
use tokio::time::{Instant, sleep_until, timeout_at};

use crate::error::{Applied, Code, Error};

/// The backoff between attempts doubles from MIN_BACKOFF up to
/// MAX_BACKOFF, each wait drawn at random from its upper half, so that
/// clients that failed together do not come back together.
const MIN_BACKOFF: Duration = Duration::from_millis(25);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Makes attempts until one succeeds, one fails in a way that another
/// attempt cannot change or that makes another unsafe, or the deadline
/// passes; then returns the last attempt's error. Each attempt is given the
/// time left as its timeout. `repeatable` says whether the call may run
/// again whatever became of an earlier attempt: a command with an
/// idempotency key (the shard runs it at most once), or a query.
pub(crate) async fn retry<T, F, Fut>(deadline: Instant, repeatable: bool, mut attempt: F) -> Result<T, Error>
where
    F: FnMut(CallOptions) -> Fut,
    Fut: Future<Output = Result<T, ConnectError>>,
{
    let mut wait = MIN_BACKOFF;
    let mut unknown = false;
    loop {
        let mut e = match attempt_once(deadline, &mut attempt).await {
            Ok(res) => return Ok(res),
            Err(e) => e,
        };
        // An attempt that was not applied says nothing of the earlier
        // ones: if one of them may have been, so may the call.
        if unknown && e.applied() == Applied::No {
            e.set_applied(Applied::Unknown);
        }
        unknown = unknown || e.applied() == Applied::Unknown;
        let next = Instant::now() + jitter(wait);
        if next >= deadline || !retryable(&e, repeatable) {
            return Err(e);
        }
        sleep_until(next).await;
        if Instant::now() >= deadline {
            // The timer fired late, past the deadline (a busy machine, or
            // the timer's millisecond grain): no attempt would be sent, and
            // the last one's error says more than "deadline exceeded".
            return Err(e);
        }
        wait = (2 * wait).min(MAX_BACKOFF);
    }
}

/// Makes one attempt with the time left before the deadline; past it, the
/// attempt is not sent and fails with [`Code::DeadlineExceeded`].
async fn attempt_once<T, F, Fut>(deadline: Instant, attempt: &mut F) -> Result<T, Error>
where
    F: FnMut(CallOptions) -> Fut,
    Fut: Future<Output = Result<T, ConnectError>>,
{
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Error::local(
            Code::DeadlineExceeded,
            "the call's deadline passed before it was sent",
        ));
    }
    match timeout_at(deadline, attempt(CallOptions::default().with_timeout(left))).await {
        Ok(res) => res.map_err(Error::from_connect),
        Err(_) => Err(Error::from_connect(ConnectError::deadline_exceeded(
            "the call's deadline passed",
        ))),
    }
}

/// Reports whether a call that failed with `e`, before its deadline, is
/// worth another attempt: its failure may pass, and another attempt is
/// safe, because this one certainly was not applied or because the call is
/// repeatable.
fn retryable(e: &Error, repeatable: bool) -> bool {
    match e.code() {
        // No leader yet, a host or connection lost, the gateway's own
        // deadline, a stream reset: none is the caller's doing, and each
        // may pass.
        Code::Unavailable | Code::DeadlineExceeded | Code::Canceled | Code::Unknown => {
            e.applied() == Applied::No || (repeatable && e.applied() == Applied::Unknown)
        }
        _ => false,
    }
}

/// Returns a random duration in the upper half of `wait`.
fn jitter(wait: Duration) -> Duration {
    let half = wait / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_nanos(getrandom::u64().unwrap_or(0) % nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An attempt that fails with `code`, its outcome as `applied` says
    /// (a ProposeFailure detail when known).
    fn failure(code: Code, applied: Option<crate::proto::synod::v1::Applied>) -> ConnectError {
        let mut ce = ConnectError::new(code, "test");
        if let Some(a) = applied {
            let detail = crate::proto::synod::v1::ProposeFailure {
                applied: a.into(),
                ..Default::default()
            };
            ce = ce.with_detail(connectrpc::ErrorDetail::from_message(
                "synod.v1.ProposeFailure",
                &detail,
            ));
        }
        ce
    }

    /// Runs retry over the attempts' outcomes in order (the last repeats),
    /// and returns its result and the number of attempts it made.
    async fn run(outcomes: Vec<Result<u32, ConnectError>>, repeatable: bool) -> (Result<u32, Error>, usize) {
        let mut n = 0;
        let deadline = Instant::now() + Duration::from_secs(30);
        let res = retry(deadline, repeatable, |_| {
            n += 1;
            std::future::ready(outcomes[(n - 1).min(outcomes.len() - 1)].clone())
        })
        .await;
        (res, n)
    }

    #[tokio::test(start_paused = true)]
    async fn retries() {
        use crate::proto::synod::v1::Applied as A;
        struct Case {
            name: &'static str,
            outcomes: Vec<Result<u32, ConnectError>>,
            repeatable: bool,
            attempts: usize,
            applied: Option<Applied>,
        }
        let cases = [
            Case {
                name: "success",
                outcomes: vec![Ok(1)],
                repeatable: false,
                attempts: 1,
                applied: None,
            },
            Case {
                name: "unavailable, not applied, then success",
                outcomes: vec![Err(failure(Code::Unavailable, Some(A::APPLIED_NO))), Ok(1)],
                repeatable: false,
                attempts: 2,
                applied: None,
            },
            Case {
                name: "unknown outcome, keyed: retried",
                outcomes: vec![Err(failure(Code::Unavailable, None)), Ok(1)],
                repeatable: true,
                attempts: 2,
                applied: None,
            },
            Case {
                name: "unknown outcome, no key: not retried",
                outcomes: vec![Err(failure(Code::Unavailable, None))],
                repeatable: false,
                attempts: 1,
                applied: Some(Applied::Unknown),
            },
            Case {
                name: "application error: not retried",
                outcomes: vec![Err(failure(Code::FailedPrecondition, Some(A::APPLIED_YES)))],
                repeatable: true,
                attempts: 1,
                applied: Some(Applied::Yes),
            },
            Case {
                name: "unknown, then not applied: still unknown",
                outcomes: vec![
                    Err(failure(Code::Unavailable, None)),
                    Err(failure(Code::NotFound, Some(A::APPLIED_NO))),
                ],
                repeatable: true,
                attempts: 2,
                applied: Some(Applied::Unknown),
            },
        ];
        for c in cases {
            let (res, n) = run(c.outcomes, c.repeatable).await;
            assert_eq!(n, c.attempts, "{}: attempts", c.name);
            assert_eq!(res.as_ref().err().map(Error::applied), c.applied, "{}: applied", c.name);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_the_deadline() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let res: Result<(), Error> = retry(deadline, true, |_| {
            std::future::ready(Err(failure(Code::Unavailable, None)))
        })
        .await;
        assert_eq!(res.unwrap_err().code(), Code::Unavailable);
        assert!(Instant::now() <= deadline, "retried past the deadline");
    }

    #[tokio::test(start_paused = true)]
    async fn past_deadline_sends_nothing() {
        let mut n = 0;
        let res: Result<(), Error> = retry(Instant::now(), true, |_| {
            n += 1;
            std::future::ready(Ok(()))
        })
        .await;
        let e = res.unwrap_err();
        assert_eq!((e.code(), e.applied(), n), (Code::DeadlineExceeded, Applied::No, 0));
    }
}
