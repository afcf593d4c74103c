DROP FUNCTION landreg_refuse_repeatable_read(text);
