//! What the benchmark examples share (here and in `disrupt-api`'s): this process's memory, from /proc.

/// A field of this process's /proc status (`VmRSS`, `VmHWM`...), in MiB; 0 where there is none (not Linux).
pub fn status_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok());
    kib.unwrap_or(0.0) / 1024.0
}
