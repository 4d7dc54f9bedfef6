//! The retry schedule: when attempt *n + 1* happens after attempt *n* failed.

use rand::Rng;
use std::time::Duration;

/// The longest a `Retry-After` answer can postpone the next attempt.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(6 * 3600);

/// Delays before each attempt: the first entry is the first attempt (normally `0s`, at once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl Default for RetrySchedule {
    /// Now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts over about 27.5 hours.
    fn default() -> Self {
        RetrySchedule(
            [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
        )
    }
}

impl RetrySchedule {
    /// Parses `0s,5s,5m,30m,2h` (units `ms`, `s`, `m`, `h`, `d`).
    pub fn parse(text: &str) -> Result<RetrySchedule, String> {
        let delays = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_duration)
            .collect::<Result<Vec<_>, _>>()?;
        if delays.is_empty() {
            return Err("must list at least one delay, e.g. 0s,5s,5m".into());
        }
        Ok(RetrySchedule(delays))
    }

    pub fn attempts(&self) -> usize {
        self.0.len()
    }

    /// The delay before the next attempt after attempt `attempt_number` (1-based) failed, with
    /// ±20 % jitter and `Retry-After` honoured (at least the scheduled delay, at most
    /// [`RETRY_AFTER_CAP`]); `None` when the schedule is exhausted.
    pub fn next_delay(
        &self,
        attempt_number: usize,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let scheduled = *self.0.get(attempt_number)?;
        Some(self.delay_of(scheduled, retry_after))
    }

    /// The schedule's last delay, again: an ordered lane's head is retried at this pace until it
    /// succeeds (or its endpoint is disabled), since the events behind it must not overtake it.
    pub fn last_delay(&self, retry_after: Option<Duration>) -> Option<Duration> {
        let scheduled = *self.0.last()?;
        Some(self.delay_of(scheduled, retry_after))
    }

    fn delay_of(&self, scheduled: Duration, retry_after: Option<Duration>) -> Duration {
        let jittered = jitter(scheduled);
        match retry_after {
            Some(asked) => jittered.max(asked.min(RETRY_AFTER_CAP)),
            None => jittered,
        }
    }
}

/// ±20 %, uniformly.
fn jitter(delay: Duration) -> Duration {
    if delay.is_zero() {
        return delay;
    }
    let factor = rand::thread_rng().gen_range(0.8..=1.2);
    delay.mul_f64(factor)
}

/// `500ms`, `5s`, `5m`, `2h`, `5d`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration like 500ms, 5s, 5m, 2h or 1d"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        _ => {
            return Err(format!(
                "'{text}': unknown unit '{unit}' (use ms, s, m, h or d)"
            ))
        }
    };
    if !seconds.is_finite() || !(0.0..=31_536_000.0).contains(&seconds) {
        return Err(format!("'{text}' is out of range (0 to 365 days)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A `Retry-After` value: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(1e9).ceil()));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordered_head_keeps_the_last_delay_after_the_schedule() {
        let s = RetrySchedule::parse("0s,1s,10s").expect("schedule");
        assert_eq!(s.next_delay(3, None), None);
        let d = s.last_delay(None).expect("last delay");
        assert!(
            d >= Duration::from_secs(8) && d <= Duration::from_secs(12),
            "{d:?}"
        );
    }

    #[test]
    fn the_default_schedule_is_the_documented_one() {
        let s = RetrySchedule::default();
        assert_eq!(s.attempts(), 8);
        assert_eq!(
            s,
            RetrySchedule::parse("0s,5s,5m,30m,2h,5h,10h,10h").expect("parse")
        );
        for _ in 0..200 {
            let d = s.next_delay(2, None).expect("third attempt").as_secs_f64();
            assert!((240.0..=360.0).contains(&d), "{d}");
        }
        assert!(s.next_delay(8, None).is_none(), "eight attempts in all");
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_cap_but_never_shortens_the_schedule() {
        let s = RetrySchedule::parse("0s,1s,1s").expect("parse");
        let d = s
            .next_delay(1, Some(Duration::from_secs(30)))
            .expect("next");
        assert_eq!(d, Duration::from_secs(30));
        let d = s
            .next_delay(1, Some(Duration::from_secs(999_999)))
            .expect("next");
        assert_eq!(d, RETRY_AFTER_CAP);
        let d = s.next_delay(1, Some(Duration::ZERO)).expect("next");
        assert!(d >= Duration::from_millis(800));
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("1.2"), Some(Duration::from_secs(2)));
        assert!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").is_some());
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn durations_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("5d"), Ok(Duration::from_secs(432_000)));
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(RetrySchedule::parse("").is_err());
        assert!(RetrySchedule::parse("1s,x").is_err());
    }
}
