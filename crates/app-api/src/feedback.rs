//! Citizens' feedback (Huduma Halisi).

use crate::app::App;
use crate::error::Answer;
use fieldkit_core::feedback::NewFeedback;
use fieldkit_protocol::FeedbackRecord;

/// Records a citizen's feedback (rating, comment, complaint), refused with every problem named.
pub fn record_feedback(app: &App, feedback: &NewFeedback) -> Answer<FeedbackRecord> {
    app.with_session(|s| s.record_feedback(feedback))
}
