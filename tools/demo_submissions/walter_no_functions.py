print('I did not do the assignment')
