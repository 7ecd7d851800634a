//! The progress bar, drawn by indicatif into the reporter's own writer rather than straight to
//! stderr, so the library never writes to the process's streams itself.

use super::color::{Painter, styles};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// The writer shared by the reporter's lines and the bar's drawing.
pub(crate) type SharedOut = Arc<Mutex<Box<dyn Write + Send>>>;

/// Locks the writer; a panic elsewhere while it was held leaves bytes, not broken invariants, so a
/// poisoned lock is still usable.
pub(crate) fn lock(out: &SharedOut) -> MutexGuard<'_, Box<dyn Write + Send>> {
    out.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A [`TermLike`] over the shared writer: cursor moves and line clears as ANSI sequences (the bar
/// is only shown when the writer is a terminal).
struct WriterTerm {
    out: SharedOut,
    width: u16,
}

impl fmt::Debug for WriterTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterTerm")
            .field("width", &self.width)
            .finish_non_exhaustive()
    }
}

impl WriterTerm {
    fn write(&self, s: &str) -> io::Result<()> {
        lock(&self.out).write_all(s.as_bytes())
    }

    fn cursor(&self, n: usize, code: char) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.write(&format!("\u{1b}[{n}{code}"))
        }
    }
}

impl TermLike for WriterTerm {
    fn width(&self) -> u16 {
        self.width
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.cursor(n, 'A')
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.cursor(n, 'B')
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.cursor(n, 'C')
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.cursor(n, 'D')
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.write(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.write(s)
    }
    fn clear_line(&self) -> io::Result<()> {
        self.write("\r\u{1b}[2K")
    }
    fn flush(&self) -> io::Result<()> {
        lock(&self.out).flush()
    }
}

/// A bar counting `total` finished items, drawing into `out` and ticking on its own so the
/// elapsed time moves while a slow test runs.
pub(crate) fn new_bar(out: SharedOut, total: u64, paint: Painter) -> ProgressBar {
    let term = WriterTerm {
        out,
        width: terminal_width(),
    };
    let target = ProgressDrawTarget::term_like_with_hz(Box::new(term), 10);
    let bar = ProgressBar::with_draw_target(Some(total), target);
    // The template is a constant; should indicatif ever reject it, a default bar still works.
    let style = ProgressStyle::with_template(
        "{prefix} [{elapsed_precise:>9}] {wide_bar} {pos}/{len}: {msg}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    // Padded before painting: escape codes would otherwise count towards the width.
    bar.set_prefix(paint.paint(&format!("{:>12}", "Running"), styles::label()));
    // Draw at once, so the bar shows before the first item finishes.
    bar.tick();
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Columns of the terminal on stderr (where the bar goes when shown), 80 when unknown.
fn terminal_width() -> u16 {
    #[cfg(unix)]
    {
        let mut size = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCGWINSZ only writes a `winsize` through the pointer, which points at a live
        // local of that type; on failure it returns -1 and writes nothing.
        let rc = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) };
        if rc == 0 && size.ws_col > 0 {
            return size.ws_col;
        }
    }
    80
}
