//! smtplab bridge library (being written).
