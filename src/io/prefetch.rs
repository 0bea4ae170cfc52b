//! A sample stream read one block ahead on a thread of its own: the next block is read and
//! parsed while the consumer computes on this one. Both sides use the rayon pool for their
//! parallel work, and the reader's serial work (system reads, splitting lines) runs while the
//! pool computes, so neither stage waits for the other.

use super::events::Event;
use super::sanity::Warning;
use super::stream::{Block, SampleStream};
use crate::{Error, Result};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// What the reader thread hands over.
enum Message {
    /// The next block and the sample rate known after it (Hz).
    Block(Block, Option<f64>),
    /// The end of the data, with what the stream found along the way.
    End(Vec<Event>, Vec<Warning>),
    /// The stream failed; nothing follows.
    Failed(Error),
}

/// A [`SampleStream`] whose blocks are read ahead by a thread (at most two blocks in flight,
/// so memory stays bounded). Channels must be selected before it starts.
pub struct Prefetch {
    channel_names: Vec<String>,
    n_channels: usize,
    description: String,
    blocks: Receiver<Message>,
    /// Sample buffers handed back to the reader for reuse (no allocation per block).
    spare: SyncSender<Vec<f64>>,
    block: Block,
    sample_rate_hz: Option<f64>,
    events: Vec<Event>,
    warnings: Vec<Warning>,
    done: bool,
}

impl Prefetch {
    /// Starts reading `stream` ahead on a new thread.
    pub fn start(mut stream: Box<dyn SampleStream>) -> Prefetch {
        let channel_names = stream.channel_names();
        let n_channels = stream.n_channels();
        let description = stream.description();
        let sample_rate_hz = stream.sample_rate_hz();
        let (send_block, blocks) = sync_channel(1);
        let (spare, spares) = sync_channel::<Vec<f64>>(2);
        // detached: when the consumer goes away the next send fails and the thread ends (a
        // thread waiting on a growing file ends with the process)
        std::thread::spawn(move || loop {
            let message = match stream.next_block() {
                Ok(Some(_)) => {
                    let rate = stream.sample_rate_hz();
                    let reuse = spares.try_recv().unwrap_or_default();
                    let block = std::mem::replace(
                        stream.last_block_mut(),
                        Block {
                            samples: reuse,
                            ..Block::default()
                        },
                    );
                    Message::Block(block, rate)
                }
                Ok(None) => Message::End(stream.events(), stream.warnings()),
                Err(e) => Message::Failed(e),
            };
            let last = !matches!(message, Message::Block(..));
            if send_block.send(message).is_err() || last {
                return;
            }
        });
        Prefetch {
            channel_names,
            n_channels,
            description,
            blocks,
            spare,
            block: Block::default(),
            sample_rate_hz,
            events: Vec::new(),
            warnings: Vec::new(),
            done: false,
        }
    }
}

impl SampleStream for Prefetch {
    fn channel_names(&self) -> Vec<String> {
        self.channel_names.clone()
    }
    fn select_channels(&mut self, _wanted: &[String], _who: &str) -> Result<()> {
        Err(Error::input(
            "internal: channels are chosen before a stream is read ahead",
        ))
    }
    fn n_channels(&self) -> usize {
        self.n_channels
    }
    fn sample_rate_hz(&self) -> Option<f64> {
        self.sample_rate_hz
    }
    fn next_block(&mut self) -> Result<Option<&Block>> {
        if self.done {
            return Ok(None);
        }
        match self.blocks.recv() {
            Ok(Message::Block(block, rate)) => {
                let used = std::mem::replace(&mut self.block, block);
                // refused when the reader has buffers enough, or has ended
                let _ = self.spare.try_send(used.samples);
                self.sample_rate_hz = rate.or(self.sample_rate_hz);
                Ok(Some(&self.block))
            }
            Ok(Message::End(events, warnings)) => {
                self.done = true;
                self.events = events;
                self.warnings = warnings;
                Ok(None)
            }
            Ok(Message::Failed(e)) => {
                self.done = true;
                Err(e)
            }
            Err(_) => {
                self.done = true;
                Err(Error::input("internal: the reading thread stopped"))
            }
        }
    }
    fn last_block(&self) -> &Block {
        &self.block
    }
    fn last_block_mut(&mut self) -> &mut Block {
        &mut self.block
    }
    fn warnings(&self) -> Vec<Warning> {
        self.warnings.clone()
    }
    fn events(&self) -> Vec<Event> {
        self.events.clone()
    }
    fn description(&self) -> String {
        self.description.clone()
    }
}
