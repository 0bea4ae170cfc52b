//! `classify --realtime`: the live decoder under real-time scheduling (Linux `SCHED_FIFO`).
//!
//! Why: on a busy machine the decision waits for a core. Measured with liblsl 1.18 (issue 13),
//! each decision pushed on `--lsl-out` wakes liblsl's sending thread, which the kernel may run
//! on the decoder's own core before the push returns; under `SCHED_FIFO` a woken thread of the
//! same priority waits its turn instead. The policy is set on the calling thread before the
//! stream is opened, so every thread started afterwards (liblsl's, the read-ahead) inherits it,
//! as under `chrt -f 20`. The wait loops stay bounded (a 5 ms look at most before a blocking
//! wait), and Linux keeps 5 % of each second for other tasks whatever the policy.

/// The `SCHED_FIFO` priority taken (1-99): JACK's and PipeWire's audio threads run at 10-88;
/// 20 ranks above ordinary tasks and below the kernel's own real-time threads (50+).
pub const PRIORITY: u8 = 20;

/// Moves the calling thread, and the threads it starts afterwards, to `SCHED_FIFO` at
/// [`PRIORITY`]. Err: one line saying why it was refused and how to allow it.
#[cfg(target_os = "linux")]
pub fn enter() -> Result<(), String> {
    use thread_priority::{
        set_thread_priority_and_policy, thread_native_id, RealtimeThreadSchedulePolicy,
        ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
    };
    let value = ThreadPriorityValue::try_from(PRIORITY).map_err(|e| e.to_string())?;
    let policy = ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo);
    set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Crossplatform(value),
        policy,
    )
    .map_err(|e| match e {
        // EPERM (1 on Linux): no CAP_SYS_NICE and no rtprio allowance
        thread_priority::Error::OS(1) => format!(
            "real-time scheduling (SCHED_FIFO priority {PRIORITY}) not permitted: run as root, give the binary the capability (sudo setcap cap_sys_nice+ep \"$(command -v eegi)\"), or allow the user real-time priorities (rtprio {PRIORITY} in /etc/security/limits.conf)"
        ),
        e => format!("real-time scheduling (SCHED_FIFO priority {PRIORITY}) refused: {e}"),
    })
}

/// [`enter`] where only Linux's scheduler is supported.
#[cfg(not(target_os = "linux"))]
pub fn enter() -> Result<(), String> {
    Err("real-time scheduling is supported on Linux only".into())
}

/// Whether the calling thread runs under `SCHED_FIFO`, and at what priority.
#[cfg(all(test, target_os = "linux"))]
pub fn current() -> Option<i32> {
    use thread_priority::{
        thread_native_id, thread_schedule_policy_param, RealtimeThreadSchedulePolicy,
        ThreadSchedulePolicy,
    };
    match thread_schedule_policy_param(thread_native_id()) {
        Ok((ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo), p)) => {
            Some(p.sched_priority)
        }
        _ => None,
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// On a thread of its own (the policy is per thread): granted, the thread and a thread it
    /// starts run under SCHED_FIFO at PRIORITY; refused, the thread is unchanged and the
    /// message says how to allow it.
    #[test]
    fn fifo_is_taken_and_inherited_or_refused_with_the_way_to_allow_it() {
        std::thread::spawn(|| {
            assert_eq!(
                current(),
                None,
                "test threads start under the normal policy"
            );
            match enter() {
                Ok(()) => {
                    assert_eq!(current(), Some(PRIORITY as i32));
                    let child = std::thread::spawn(current).join().unwrap();
                    assert_eq!(child, Some(PRIORITY as i32), "inherited by new threads");
                }
                Err(e) => {
                    assert_eq!(current(), None);
                    assert!(e.contains("SCHED_FIFO priority 20"), "{e}");
                    assert!(
                        e.contains("setcap cap_sys_nice+ep") || e.contains("refused"),
                        "{e}"
                    );
                }
            }
        })
        .join()
        .unwrap();
    }
}
